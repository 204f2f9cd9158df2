"""The monthly mechanisms, one module each; every function documents its equation.

Every mechanism is a plain function of numpy arrays: it reads the state, the month's
inputs, the parameters and the month's pre-drawn random numbers, and updates the state in
place. ``model.core.dynamics.advance_month`` calls them in the documented order.
"""
