"""Contract suites: behaviour every adapter of a port must show, written against the port."""
