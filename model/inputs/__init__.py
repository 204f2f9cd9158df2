"""What a run is made of: the registry, parameters, calendar, scenarios and their files."""
