"""Test doubles shared by several suites (loopback stand-ins for external services)."""
