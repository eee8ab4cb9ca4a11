"""`python -m assistant`: export the offline environment first, then run the CLI."""

from assistant.offline import apply_offline_env

apply_offline_env()

from assistant.cli import main  # noqa: E402  (the env must be set before anything heavy loads)

raise SystemExit(main())
