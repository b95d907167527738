import sys

from suite.tools.main import main

sys.exit(main())
