"""Argon2 with the cheapest parameters, for the test suite only (the real hasher stays argon2)."""
from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 1
    memory_cost = 64
    parallelism = 1
