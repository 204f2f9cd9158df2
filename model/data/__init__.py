"""Data shipped with the package: the survey waves and the committed posterior."""
