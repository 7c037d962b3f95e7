import os

# Each test run gets its own KAM_HOME (secret key, SQLite file) unless one is given.
os.environ.setdefault("KAM_HOME", os.path.join(os.path.dirname(__file__), ".kam-test"))
