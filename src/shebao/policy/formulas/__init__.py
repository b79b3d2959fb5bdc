"""Rules as code: pure, vectorized formulas, one module per scheme.

Every function takes numpy arrays (a scalar is a 0-d array) so the same call prices one
citizen at the desk or ten million in a batch, and every parameter as an explicit keyword
argument so a parameter snapshot (`Policy.at(date, region)`) can be bound to it by name.
Money is integer fen (int64) in and out; rounding happens only where each docstring says.
"""
