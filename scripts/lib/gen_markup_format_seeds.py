#!/usr/bin/python3
"""Writes the seeds of markup_format_fuzzer (targets/markup_format_fuzzer.cpp): Markup % (a tuple, a mapping, one
argument) and Markup.format with typed operands — int, big int, bool, float, None, objects by str() and repr(),
objects with __html__ — through printf-style conversions with flags, widths and precisions, string.Formatter specs
for int, float and str (fill, alignment, sign, '#', '0', grouping, bases, 'c', 'n', '%'), and the errors Python
raises on the way (int() of None or of an object, float() of NaN or infinity, base conversions beyond 64 bits, a
spec on Markup or an __html__ object, keys without a mapping).

Input layout: u8 flags (bit0 percent_mapping also gets the mapping itself, bit1 the text operands also passed
pre-escaped), then lines: the template, then one operand per line, typed by its first byte (s str, m Markup,
i int, f float, b bool, n None, o STR<TAB>REPR, h HTML<TAB>REPR[<TAB>p[<TAB>STR]], k NAME=OPERAND).
Run: /usr/bin/python3 scripts/lib/gen_markup_format_seeds.py [OUTDIR]
     /usr/bin/python3 scripts/lib/gen_markup_format_seeds.py --merge build/libfuzzer/fuzz/markup_format_fuzzer"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_merge import write_seeds  # noqa: E402

WHOLE, PRE_ESCAPED = 1, 2


def seed(template, *operands, flags=0):
    return bytes([flags]) + "\n".join([template, *operands]).encode("utf-8", "surrogateescape")


INTS = ["i42", "i-7", "i0", "i123456789012345678901234567890", "i-98765432109876543210", "b1", "b0"]
FLOATS = ["f1.5", "f-0", "f1e300", "f-2.5e-7", "fnan", "finf", "f-inf", "f12345.678", "f1e16", "f0.0001"]
OBJECTS = ["n", "o[1, '<x>']\t[1, '<x>']", "h<b>bold</b>\tBold()", "h<i>plain</i>\tPlain()\tp\tplain str",
           "o\t", "h<u>u</u>\t"]

SEEDS = {
    # Markup % with a tuple: every operand type through %s %r %a %d
    "percent_types_s": seed("<p>" + "|".join(["%s"] * 17)[:50] + "</p>", *INTS, *FLOATS[:4], *OBJECTS),
    "percent_types_r": seed("%r|%r|%r|%r|%r|%r|%r|%r|%a|%a|%a", "i5", "b1", "f-0", "n", "o<o>\t<O>", "h<b>\tB()", "m<i>",
                            "s<s>", "s\u00e9\u20ac", "m\U0001f600", "o\u00e9\t\u00e9<"),
    "percent_int_types": seed("%d|%i|%u|%d|%d|%+5d|%-5d|%05d|%.3d", "i-12", "b1", "f-3.9", "i99999999999999999999999",
                              "m 0_1 ", "b0", "f2.5", "i-3", "i7"),
    "percent_float_types": seed("%f|%.2e|%g|%10.3f|%-8.1E|%+G|%F", "i3", "b1", "i123456789012345678901234567890", "f-0",
                                "f1e300", "finf", "fnan"),
    "percent_int_huge_float": seed("%d|%u", "f1e300", "f-1.5e19"),
    "percent_int_none": seed("%d", "n"),
    "percent_int_object": seed("%d", "o1\t1"),
    "percent_int_html": seed("%i", "h1\tH()"),
    "percent_int_nan": seed("%d", "fnan"),
    "percent_int_inf": seed("%d", "f-inf"),
    "percent_float_none": seed("%f", "n"),
    "percent_float_object": seed("%e", "o1.5\t1.5"),
    "percent_float_html": seed("%g", "h1.5\tH()"),
    "percent_float_big": seed("%f", "i" + "9" * 320),
    "percent_width_prec_s": seed("%-6.2s|%6r|%.1a", "i12345", "b0", "n"),
    "percent_leftover": seed("%s", "i1", "i2"),
    "percent_missing": seed("%s %s", "i1"),
    "percent_key_tuple": seed("%(a)s", "i1"),
    # Markup % with a mapping
    "mapping_keys": seed("%(a)s|%(b)r|%(c)d|%(d)f|%(e)s|%(f)5.1f|%(nested(paren))s|%%", "ka=i1", "kb=s<b>", "kc=f9.9",
                         "kd=b1", "ke=h<i>x</i>\tX()", "kf=f2.25", "knested(paren)=n"),
    "mapping_missing_key": seed("%(zz)s", "ka=i1"),
    "mapping_unclosed_key": seed("%(a", "ka=i1"),
    "mapping_whole_first": seed("%s and %(a)s", "ka=i1", flags=WHOLE),
    "mapping_whole_after_key": seed("%(a)s and %s", "ka=i1", flags=WHOLE),
    "mapping_whole_twice": seed("%s %r", "ka=i1", flags=WHOLE),
    "mapping_no_whole": seed("%s", "ka=i1"),
    # Markup % with one argument
    "one_argument": seed("[%r]", "o(1, 2)\t(1, 2)", "i9"),
    "one_argument_twice": seed("%s%s", "i1"),
    "one_argument_key": seed("%(k)s", "i1"),
    # Markup.format: typed values without a spec, conversions, numbering
    "format_types": seed("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", "i-1", "i123456789012345678901234567890", "b1", "f1e16",
                         "f0.0001", "fnan", "n", "o<o>\t<O>", "h<b>b</b>\tB()", "h<i>p</i>\tP()\tp", "m<m>", "s<s>"),
    "format_conversions": seed("{0!s}|{0!r}|{0!a}|{1!s}|{1!r}|{2!s}|{2!r}|{3!r}|{4!a}|{5!s}", "h<b>\tB()\tm\tstr of b",
                               "m<i>\u00e9", "o\u00e9\t\u00e9<", "f-0", "s\u00e9\U0001f600", "h<u>\t"),
    "format_kwargs": seed("{a}|{b!r}|{c:>6}|{d:x}|{e:.2f}", "ka=i1", "kb=m<b>", "kc=s<c>", "kd=i255", "ke=f3.14159"),
    "format_manual_after_auto": seed("{}{0}", "i1"),
    "format_auto_after_manual": seed("{0}{}", "i1"),
    "format_index_range": seed("{3}", "i1"),
    "format_missing_key": seed("{nope}", "i1"),
    "format_attribute": seed("{0.real}", "i1"),
    # Markup.format: int and bool specs
    "format_int_specs": seed("{0:d}|{0:+d}|{0: d}|{0:x}|{0:#X}|{0:#o}|{0:#b}|{0:>8}|{0:*<8}|{0:^9}|{0:=+8}|{0:08}|{1:x}|{2:,}|{2:_}|{3:#x}",
                             "i-255", "b1", "i1234567", "i0"),
    "format_int_grouped_zero": seed("{0:010,}|{0:012_x}|{0:09_b}|{0:,d}|{0:n}|{1:c}|{2:c}|{0:e}|{0:%}|{0:.2f}", "i-1234", "i9731",
                                    "i60"),
    "format_int_errors": seed("{0:.2}", "i1"),
    "format_int_unknown": seed("{0:s}", "i1"),
    "format_int_z": seed("{0:z}", "i1"),
    "format_int_c_sign": seed("{0:+c}", "i65"),
    "format_int_c_alt": seed("{0:#c}", "i65"),
    "format_int_c_range": seed("{0:c}", "i1114112"),
    "format_int_n_grouping": seed("{0:,n}", "i1"),
    "format_big_hex": seed("{0:x}", "i" + "1" * 25),
    "format_grouping_with_c": seed("{0:,c}", "i65"),
    "format_bool_spec": seed("{0:>5}|{0:d}|{1:x}|{1:f}", "b1", "b0"),
    # Markup.format: float specs
    "format_float_specs": seed("{0:f}|{0:.2e}|{0:E}|{0:g}|{0:.3G}|{0:%}|{0:.1%}|{0:+.2f}|{0: F}|{0:>12.3f}|{0:=+12.2f}|{0:012.2f}|{0:,.2f}|{0:_}",
                               "f-1234.5678"),
    "format_float_default": seed("{0:.3}|{0:.0}|{1:.1}|{1:#.3}|{2:10}|{3:.2}|{4:}|{4:#}|{5:.3}|{6:z.1f}", "f1234.5", "f0.00001234",
                                 "f1e300", "f123456789.0", "f1e100", "f0", "f-0.04"),
    "format_float_special": seed("{0:f}|{0:E}|{1:%}|{1:+}|{2:08.2f}|{2:=^9}|{0:n}", "fnan", "f-inf", "finf"),
    "format_float_unknown": seed("{0:d}", "f1.5"),
    "format_float_alt_g": seed("{0:#g}|{0:#.0f}|{0:#.0e}|{1:#}", "f2", "f1e22"),
    # Markup.format: str specs and errors
    "format_str_specs": seed("{0:>6}|{0:^7}|{0:.2}|{0:*<5.1s}|{0:05}|{1!r:>12}", "s<ab>", "i7"),
    "format_str_sign": seed("{0:+}", "s1"),
    "format_str_equal": seed("{0:=5}", "s1"),
    "format_str_alt": seed("{0:#}", "s1"),
    "format_markup_spec": seed("{0:>5}", "m<b>"),
    "format_html_spec": seed("{0:>5}", "h<b>\tB()"),
    "format_none_spec": seed("{0:>5}", "n"),
    "format_object_spec": seed("{0:>5}", "o1\t1"),
    "format_nested_spec": seed("{0:{1}{2}}|{0:{3}}", "f2.5", ">", "9", "i7"),
    "format_nested_markup_spec": seed("{0:{1}}", "i5", "m>4"),
    # the translation {name} -> %(name)s and pre-escaped text
    "translate_named": seed("<{a}> 100% {b}", "ka=s<a&b>", "kb=f-0"),
    "translate_positional": seed("{} and {}", "s'q'", "i3", "n"),
    "pre_escaped": seed("%s|%s|%%", "s<x>", "s\"y\"", flags=PRE_ESCAPED),
    "pre_escaped_format": seed("{}{1}", "s<x>", "s&y", flags=PRE_ESCAPED),
    # operands that fall back to text
    "malformed_operands": seed("%s|%s|%s|%s|%s|%s", "i12a", "f1.5x", "f 1", "b2", "k=", "kk=kx=1"),
}

if __name__ == "__main__":
    write_seeds("markup_format_fuzzer", SEEDS, sys.argv[1:])
