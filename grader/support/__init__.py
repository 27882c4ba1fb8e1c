"""Code the grader lends to instructor-written support services (never to students)."""
