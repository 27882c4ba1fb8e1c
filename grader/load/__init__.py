"""The Locust side of grading: scenarios run in their own (gevent) process."""
