#!/usr/bin/python3
"""Writes the named Markup % and Markup.format seeds of escape_fuzzer (corpora/escape_fuzzer/fmt_*): the first line
is the template, each further line an argument (targets/escape_fuzzer.cpp). They reach printf-style conversions
(%r %a %d %f %e %g with flags, width, precision and length modifiers, int() and float() of text), string.Formatter
fields (conversions, nested specs, fill and alignment, Unicode digits) and each error Python raises on the way.
Run: /usr/bin/python3 scripts/lib/gen_escape_seeds.py [OUTDIR]"""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_merge import write_seeds  # noqa: E402


# name -> (template, [arguments]); every argument is one line, so none may hold "\n"
SEEDS = {
    # printf-style: text conversions, width, precision, code-point aware padding and cutting
    "percent_repr_ascii_width": ("<p>%-8r|%8a|%.3s|%5.2r|%-6s</p>", ["é<", "x€y😀", "ǅǆǇ", "it's", "\x01\"'"]),
    "percent_ascii_escapes": ("%a %a %a %r", ["caf\u00e9 \x7f", "\u20ac\u0100", "\U0001f600\udcff", "\t'\""]),
    # printf-style integers: int() of text (spaces, signs, underscores, Unicode digits), flags and widths
    "percent_int_flags": ("%d|%5i|%-5u|%05d|%+d|% d|%.4d|%+08.3d|%ld|%hd|%Ld", [" 42 ", "-7", "+1_000", "0", "\u0663\uff12", "-0", "12", "-5", "9", "\t3", "00"]),
    "percent_int_invalid_underscore": ("%d", ["1__0"]),
    "percent_int_invalid_text": ("%i", ["12a"]),
    "percent_int_empty": ("%d", ["  "]),
    "percent_int_sign_only": ("%d", ["-"]),
    "percent_int_non_ascii_letter": ("%d", ["\u00e9"]),
    "percent_int_unicode_space": ("%d", ["\u2003\u00a07\u3000"]),
    "percent_int_file_separator": ("%d", ["\x1c5"]),
    "percent_int_markup_arg": ("<b>%d</b>", ["<3"]),
    # printf-style floats: float() of text (inf, nan, exponents, underscores) and padding
    "percent_float_flags": ("%f|%.2e|%10.3E|%-10g|%010.1f|%+G|% F|%#.0f|%-+9.2f|%012e|%g",
                            ["1.5", "-1e-5", "12345.678", "inf", "-Infinity", "NaN", "1_0.2_5", "2", "-3.25", "-nan", "1E+300"]),
    "percent_float_zero_pad_sign": ("%+010.2f|%08.1f|%-8.1f|%8.1f", ["3.14159", "-2.5", "+7", ".5"]),
    "percent_float_bad_underscore": ("%f", ["_1"]),
    "percent_float_trailing_underscore": ("%f", ["1_"]),
    "percent_float_bad_exponent": ("%e", ["1e"]),
    "percent_float_exponent_sign": ("%e", ["1e+"]),
    "percent_float_two_dots": ("%g", ["1.2.3"]),
    "percent_float_exponent_first": ("%f", ["e5"]),
    "percent_float_dot_only": ("%f", ["."]),
    "percent_float_text": ("%f", ["abc"]),
    "percent_float_non_ascii": ("%f", ["\u00bd"]),
    "percent_float_unicode_digits": ("%.1f", ["\u0661\u0662.\u0665"]),
    # printf-style errors
    "percent_hex_needs_int": ("%x", ["1"]),
    "percent_octal_needs_int": ("%o", ["1"]),
    "percent_char_needs_int": ("%c", ["a"]),
    "percent_unknown_conversion_3byte": ("%5\u20ac", ["1"]),
    "percent_unknown_conversion_4byte": ("\u00e9%\U0001f600", ["1"]),
    "percent_key_needs_mapping": ("%(name)s", ["1"]),
    "percent_star_width": ("%*d", ["1"]),
    "percent_star_precision": ("%.*f", ["1"]),
    "percent_width_too_big": ("%99999999999d", ["1"]),
    "percent_incomplete": ("abc %-5", ["1"]),
    "percent_incomplete_length": ("%5.2l", ["1"]),
    "percent_width_on_percent": ("%5%", ["1"]),
    # string.Formatter: fill, alignment, width, precision on text
    "format_align_fill": ("{:>10}|{:*^9}|{:<6}|{:.2}|{:05}|{:\u00e9>6}|{:10.3s}|{:^}|{:\U0001f600<4}|{:\u20ac^7}",
                          ["<x>", "mid", "l", "truncate", "7", "ü", "abcdef", "c", "e", "odd"]),
    "format_unicode_digit_width": ("{:\u0663}|{:.\u0662}", ["a", "abc"]),
    "format_manual_fields_spec": ("{1:>4}{0!r:^12}{1!s}{0!a:>20}", ["caf\u00e9<", "x"]),
    "format_conversions": ("{!s}|{!r}|{!a}|{!r:>9}", ["<s>", "'r'", "\u00e9\u20ac\U0001f600", "q"]),
    "format_nested_spec": ("{0:{1}}|{0:{2}{1}}", ["abc", ">8", "*"]),
    # string.Formatter errors
    "format_conversion_unknown": ("{!x}", ["1"]),
    "format_conversion_unknown_utf8": ("{!\u00e9}", ["1"]),
    "format_conversion_at_end": ("{!}", ["1"]),
    "format_text_with_int_code": ("{:d}", ["1"]),
    "format_text_with_sign": ("{:+}", ["1"]),
    "format_text_alternate": ("{:#}", ["1"]),
    "format_text_zero_coercion": ("{:z}", ["1"]),
    "format_text_equals_align": ("{:=5}", ["1"]),
    "format_text_comma": ("{:,}", ["1"]),
    "format_text_underscore": ("{:_}", ["1"]),
    "format_comma_underscore": ("{:,_}", ["1"]),
    "format_underscore_comma": ("{:_,}", ["1"]),
    "format_missing_precision": ("{:.}", ["1"]),
    "format_width_too_many_digits": ("{:99999999999}", ["1"]),
    "format_precision_too_many_digits": ("{:.99999999999}", ["1"]),
    "format_invalid_specifier": ("{:xx}", ["1"]),
    "format_unknown_code_non_ascii": ("{:\u00e9}", ["1"]),
    "format_comma_with_hex": ("{:,x}", ["1"]),
    "format_underscore_with_hex": ("{:_x}", ["1"]),
    "format_underscore_with_s": ("{:_s}", ["1"]),
    "format_grouping_with_d": ("{:,d}", ["1"]),
    "format_max_recursion": ("{:{:{:{}}}}", ["a", "b", "c", "d"]),
    "format_field_index": ("{0[key]}", ["1"]),
}


def main():
    seeds = {}
    for name, (tmpl, args) in SEEDS.items():
        lines = [tmpl] + args
        assert len(lines) <= 16 and not any("\n" in x for x in lines), name
        seeds[name] = "\n".join(lines).encode("utf-8", "surrogateescape")
    write_seeds("escape_fuzzer", seeds, sys.argv[1:], prefix="fmt_")


if __name__ == "__main__":
    main()
