@_exported import FinetuneCore
@_exported import FinetuneNN
@_exported import FinetuneData
@_exported import FinetuneIO
@_exported import FinetuneTraining
@_exported import FinetuneRuntime
