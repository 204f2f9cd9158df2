"""Subcommands of ``run.py``: one module each, discovered automatically.

A command module defines ``NAME`` (the subcommand), ``HELP`` (one line), ``ORDER`` (its
place in ``--help``), ``add_arguments(parser)`` and ``main(args) -> int`` (the exit status).
A command that runs the model also takes ``main(args, setup)``, with ``_executor.Setup``
(the worker, the posterior file and the survey waves), which tests use to give their own.

Modules whose name starts with ``_`` are shared by the commands, not commands: ``_options``
(the common options and the checks of their values), ``_executor`` (where runs go, Ctrl-C
and failed runs), ``_manifest`` (the manifest), ``_scenarios`` (the scenario library) and
``_fitting`` (the options of the calibration commands). What a command does with its output
folder, interrupts and lost workers lives in ``model.runs`` (``folder``, ``stopping``,
``execution``).
"""
