"""Constants shared by the public API and the handlers."""

DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
IN_PROCESS_BASE_URL = "https://localcloud.invalid"
