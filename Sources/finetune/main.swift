import FinetuneCommandLine

FinetuneCommand.main()
