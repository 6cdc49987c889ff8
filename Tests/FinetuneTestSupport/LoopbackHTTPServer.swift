#if canImport(Glibc)
import Glibc
#endif
import Foundation
import FinetuneCore

/// A minimal HTTP/1.1 server on 127.0.0.1 (a port the system picks), for the weights-fetch tests:
/// it serves fixed files by path, honours `Range: bytes=N-` with 206 and `Content-Range`, and can
/// misbehave on purpose. One connection at a time, each closed after its response.
package final class LoopbackHTTPServer: @unchecked Sendable {
    package enum Behaviour: Equatable, Sendable {
        /// 200 with the file, or 206 with the rest of it for a Range request.
        case serve
        /// Like `serve`, but announce the full length and close after this many body bytes.
        case truncateAfter(Int)
        /// 200 with the whole file even for a Range request.
        case ignoreRange
        /// This status and no body.
        case status(Int)
    }

    package struct Request: Equatable, Sendable {
        package var path: String
        package var range: String?
        package init(path: String, range: String?) {
            self.path = path
            self.range = range
        }
    }

    package let port: UInt16
    package var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/")! }
    /// What the next responses do; change it between requests.
    package let behaviour = Locked(Behaviour.serve)
    /// Every request received, in order.
    package let requests = Locked<[Request]>([])
    private let files: [String: [UInt8]]
    private let listener: Int32
    private let stopped = DispatchSemaphore(value: 0)

    /// Listens on 127.0.0.1; `files` maps request paths (`/models/w.h5`) to contents.
    package init(files: [String: [UInt8]]) throws {
        self.files = files
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { close(fd); throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops accepting and closes the listening socket; waits for the accept loop to end.
    package func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        stopped.wait()
    }

    /// A port on 127.0.0.1 where nothing listens (bound, then closed).
    package static func closedPort() throws -> UInt16 {
        let server = try LoopbackHTTPServer(files: [:])
        server.stop()
        return server.port
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                break
            }
            handle(connection)
            close(connection)
        }
        stopped.signal()
    }

    private func handle(_ connection: Int32) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 65_536 {
            let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { return }
            received += buffer[0..<n]
            if received.count >= 4, received.suffix(4) == [13, 10, 13, 10] { break }
        }
        let lines = String(decoding: received, as: UTF8.self).components(separatedBy: "\r\n")
        let target = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        let range = lines.dropFirst().first { $0.lowercased().hasPrefix("range:") }
            .map { $0.dropFirst("range:".count).trimmingCharacters(in: .whitespaces) }
        requests.withLock { $0.append(Request(path: target, range: range)) }

        let mode = behaviour.withLock { $0 }
        guard let file = files[target] else { return respond(connection, status: "404 Not Found", headers: [], body: []) }
        if case let .status(code) = mode { return respond(connection, status: "\(code) Error", headers: [], body: []) }
        var start = 0
        if let range, mode != .ignoreRange, range.hasPrefix("bytes="), range.hasSuffix("-"),
           let from = Int(range.dropFirst(6).dropLast()) {
            guard from < file.count else {
                return respond(connection, status: "416 Range Not Satisfiable", headers: ["Content-Range: bytes */\(file.count)"], body: [])
            }
            start = from
        }
        let body = Array(file[start...])
        var headers = ["Content-Length: \(body.count)"]
        if start > 0 { headers.append("Content-Range: bytes \(start)-\(file.count - 1)/\(file.count)") }
        var sent = body
        if case let .truncateAfter(count) = mode { sent = Array(body.prefix(count)) }
        respond(connection, status: start > 0 ? "206 Partial Content" : "200 OK", headers: headers, body: sent)
    }

    private func respond(_ connection: Int32, status: String, headers: [String], body: [UInt8]) {
        var head = "HTTP/1.1 \(status)\r\nConnection: close\r\nContent-Type: application/octet-stream\r\n"
        for header in headers { head += header + "\r\n" }
        if !headers.contains(where: { $0.hasPrefix("Content-Length") }) { head += "Content-Length: \(body.count)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + body
        var done = 0
        while done < bytes.count {
            // MSG_NOSIGNAL: a client that closed early must not raise SIGPIPE in the test process.
            let n = bytes.withUnsafeBytes { send(connection, $0.baseAddress! + done, $0.count - done, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            done += n
        }
    }
}
