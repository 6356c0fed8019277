"""schemathesis against `/openapi.json`: `scopeon serve --tier 2` with a secret on the
fixture, every operation of the document called with generated parameters, every answer
checked against the document (status codes, content types, schemas, no server error,
authentication enforced; only `positive_data_acceptance` is left out, see below). Run by schemathesis.sh with the pinned schemathesis."""

import os
import subprocess
import sys

from common import Server, binary

SECRET = "schemathesis-secret-5a1f"


def main():
    server = Server(binary(), "--tier", "2", "--rate-limit", "100000", env={"SCOPEON_SECRET": SECRET})
    try:
        run = subprocess.run(
            [os.environ.get("SCHEMATHESIS", "schemathesis"), "run", server.url + "/openapi.json",
             # Every check but positive_data_acceptance: a schema cannot say that `since` must
             # not be after `until`, so a schema-valid request may rightly be refused (400).
             "--checks", "all", "--exclude-checks", "positive_data_acceptance",
             "--max-examples", os.environ.get("SCHEMATHESIS_EXAMPLES", "40"),
             "--header", f"x-scopeon-token: {SECRET}", "--request-timeout", "20",
             "--seed", "7", "--no-color"],
            timeout=300,
            # Its cache (`.schemathesis/`) goes under the target directory, not the checkout.
            cwd=os.environ.get("SCHEMATHESIS_WORKDIR"),
        )
    finally:
        server.stop()
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
