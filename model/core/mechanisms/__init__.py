"""The monthly mechanisms, one module each; every rule documents its equation.

Each rule is written once, as a compiled (numba) function of one citizen: it reads the
citizen's state arrays, the month's record of scalars (``core.month.Month``) and the
parameters (``ParameterValues``), draws the random numbers it needs (``core.draws``), and
updates that citizen in place. Each module also computes its own part of the month's
record (``month_terms``). ``core.engine`` calls the rules in the documented order, for
every citizen; ``model.oracle`` writes the same rules again, agent by agent, to check them.
"""
