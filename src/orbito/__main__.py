from orbito.cli import main

raise SystemExit(main())
