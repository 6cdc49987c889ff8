import FinetuneCommandLine
import FinetuneRuntime

Runtime.configureProcess()   // the process settings Finetune is fastest with (see Runtime in FinetuneRuntime)
FinetuneCommand.main()
