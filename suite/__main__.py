import sys

from suite.main import main

sys.exit(main())
