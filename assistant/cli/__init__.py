"""The command line and composition root: the only core package that imports ingest/, evals/ and ui/."""

from __future__ import annotations

import logging
import sys

from assistant.cli.parser import parse
from assistant.errors import AssistantError
from assistant.offline import apply_offline_env

EXIT_OK, EXIT_ERROR = 0, 1


def main(argv: list[str] | None = None) -> int:
    apply_offline_env()
    try:
        parser, args = parse(argv)
    except SystemExit as stop:  # --help, or a usage error already printed as one line
        return int(stop.code or 0)
    if not args.command:
        parser.print_help()
        return EXIT_OK
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        from assistant.cli import commands
        return commands.run(args)
    except AssistantError as exc:
        if args.debug:
            raise
        print(f"Error: {' '.join(exc.friendly().split())}", file=sys.stderr)  # one line, whatever the cause said
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrupted. Rerun the same command to continue where it stopped.", file=sys.stderr)
        return 130
