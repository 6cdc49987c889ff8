"""Byte vectors for Tests/FinetuneTrainingTests/TensorBoard, made with TensorBoard's own protocol
buffers and record writer (pinned in .ci/tensorboard-requirements.txt). Prints Swift array
literals; the tests hold a copy of them. Run: python3 Goldens/tensorboard_vectors.py"""
import io

from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
from tensorboard.summary.writer.record_writer import RecordWriter


def swift(name, data):
    body = ", ".join(f"0x{b:02X}" for b in data)
    print(f"let {name}: [UInt8] = [{body}]")


def scalar_event():
    e = event_pb2.Event(wall_time=1.5, step=3)
    e.summary.value.add(tag="epoch_loss", simple_value=0.25)
    return e.SerializeToString()


def file_version_event():
    return event_pb2.Event(wall_time=1700000000.0, file_version="brain.Event:2").SerializeToString()


def image_event():
    e = event_pb2.Event(wall_time=2.0, step=0)
    v = e.summary.value.add(tag="img")
    v.image.height, v.image.width, v.image.colorspace = 2, 3, 3
    v.image.encoded_image_string = b"\x89PNG"
    return e.SerializeToString()


def histogram_event():
    e = event_pb2.Event(wall_time=0.5, step=1)
    h = e.summary.value.add(tag="w/histogram").histo
    h.min, h.max, h.num, h.sum, h.sum_squares = -1.0, 2.0, 3.0, 1.5, 5.25
    h.bucket_limit.extend([0.5, 2.0])
    h.bucket.extend([2.0, 1.0])
    return e.SerializeToString()


def text_event():
    e = event_pb2.Event(wall_time=3.0, step=30)
    v = e.summary.value.add(tag="phase")
    v.metadata.plugin_data.plugin_name = "text"
    v.metadata.data_class = summary_pb2.DATA_CLASS_TENSOR
    v.tensor.CopyFrom(tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING,
                                             tensor_shape=tensor_shape_pb2.TensorShapeProto(),
                                             string_val=[b"Phase 2"]))
    return e.SerializeToString()


def record(data):
    buffer = io.BytesIO()
    RecordWriter(buffer).write(data)
    return buffer.getvalue()


if __name__ == "__main__":
    print(f"masked_crc32c(b'123456789') = 0x{masked_crc32c(b'123456789'):08X}")
    swift("scalarEvent", scalar_event())
    swift("fileVersionEvent", file_version_event())
    swift("imageEvent", image_event())
    swift("histogramEvent", histogram_event())
    swift("textEvent", text_event())
    swift("scalarRecord", record(scalar_event()))
