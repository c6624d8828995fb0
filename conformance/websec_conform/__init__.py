"""websec_conform — replays declarative attack scenarios against live servers and reports, scenario by scenario,
whether the behaviour Flask's "Security Considerations" documentation promises holds.

Layers: ``loader`` (scenario files and their schema), ``profile`` (target profiles: base URL and roles),
``generators`` (request bodies and forged cookies), ``transport`` (``requests`` and raw sockets), ``checks``
(expectations), ``judge`` (the only door to the C++ library through the ``websec`` Python module), ``runner``,
``reporters`` and ``cli``.
"""
__version__ = "0.1.0"
