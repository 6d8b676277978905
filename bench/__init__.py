"""Benchmarks of the kiosk, each printed beside the raw floor it is compared with."""
