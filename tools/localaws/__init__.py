"""A local AWS for the collection's demo and tests: a moto server on a loopback port.

``harness`` starts and stops it (pid-tracked, never orphaned), ``server`` is the process it runs and
``patches`` holds every fidelity patch the collection's modules need, each citing the AWS behaviour it
restores.
"""
