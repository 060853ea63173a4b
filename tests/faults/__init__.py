"""Fault injection: real processes and servers failing for real, and what nlq says and does then."""
