"""`labgrade batch`: a whole class graded on one set of infrastructure, with a
gradebook and a class report."""
