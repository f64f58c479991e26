from xlcomp.cli import main

main()
