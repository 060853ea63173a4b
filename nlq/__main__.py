import sys

from nlq.cli import main

sys.exit(main())
