"""Chat and run sessions stored in SQLite, and their export as training traces."""
