"""Subcommands of ``run.py``: one module each, discovered automatically.

A command module defines ``NAME`` (the subcommand), ``HELP`` (one line), ``ORDER`` (its
place in ``--help``), ``add_arguments(parser)`` and ``main(args) -> int`` (the exit status).
"""
