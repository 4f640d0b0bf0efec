"""Sub-commands of ``bridge`` beyond ``run`` and ``plugins``.

Each module defines ``add_parser(subparsers)`` and must stay cheap to import
(flavio, wilson, iminuit, matplotlib are imported inside the command function),
so that ``bridge --help`` stays fast.
"""
