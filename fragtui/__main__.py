from fragtui.cli import main

raise SystemExit(main())
