"""What a run is: its parameters, its sides, the named scenarios, model sizes."""
