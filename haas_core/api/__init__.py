"""The REST API: a Pecan application dispatching to a table of calls."""
