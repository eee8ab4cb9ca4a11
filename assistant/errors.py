"""The project's exception hierarchy; the CLI and UI turn these into one friendly line."""


class AssistantError(Exception):
    """Base class: anything a user can cause or fix. `hint` says what to do next; `exit_code` is
    what the CLI exits with (2: the command was given nothing it can work on)."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint

    def friendly(self) -> str:
        return f"{self}{f' — {self.hint}' if self.hint else ''}"


class ConfigError(AssistantError):
    """A setting is missing or invalid."""


class ModelMissingError(AssistantError):
    """A model file or directory is not where the config says."""


class ModelFetchError(AssistantError):
    """Model weights could not be downloaded or failed verification."""


class IndexEmptyError(AssistantError):
    """The store holds no papers yet."""


class StoreError(AssistantError):
    """The vector store or lexical index cannot be opened or written."""


class InputError(AssistantError):
    """An input file or record cannot be read."""


class BackendError(AssistantError):
    """The LLM backend failed to load or to generate."""


class UsageError(AssistantError):
    """A value the command or call cannot use: a date that does not exist, a count below 1."""

    exit_code = 2


class PortInUseError(AssistantError):
    """A server cannot listen: another process holds the port."""


class NothingToDoError(InputError):
    """The command was given nothing to work on: an empty query, or an ingest that found no papers."""

    exit_code = 2
