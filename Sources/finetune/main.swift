import FinetuneCommandLine
import FinetuneCore

LargeBufferReuse.enable()   // reuse multi-megabyte activations between steps (see its documentation)
FinetuneCommand.main()
