"""The one error type the build reports to the user: its message is printed as is, and the build exits 1."""


class BuildError(Exception):
    pass


def refetch(path) -> str:
    """What to do about a cached download that is corrupt: the remedy every such message ends with."""
    return f"Delete {path} and run `python3 build.py fetch` again."


class HashMismatch(BuildError):
    def __init__(self, path, expected: str, actual: str, remedy: str = ""):
        remedy = remedy or refetch(path)
        super().__init__(
            f"sha256 mismatch for {path}\n  expected {expected}\n  actual   {actual}\n"
            f"The file is corrupt or was tampered with. {remedy}")
        self.path, self.expected, self.actual = path, expected, actual
