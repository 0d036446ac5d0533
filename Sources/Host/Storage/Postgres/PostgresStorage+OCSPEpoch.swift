import NIOCore
import PostgresNIO
import Synchronization

/// The OCSP change counter, read on a connection of its own and driven by futures on the pool's
/// event loop: no Swift task, no pool lease, no timer task per read — the read sits on the path of
/// every OCSP answer from memory, so each hop it saves is latency every request saves.
extension PostgresStorage: OCSPEpochSource {
    public func ocspEpoch() -> EventLoopFuture<Int64> {
        let loop = Self.eventLoops.next()
        let connection = epochConnection.withLock { connection in
            if let connection { return connection }
            let connecting = PostgresConnection.connect(
                on: loop, configuration: epochConnectionConfiguration, id: 0, logger: logger
            ).flatMap { connection in
                connection.prepare(query: "SELECT value::text FROM ocsp_epoch").map { EpochReader(connection: connection, read: $0) }
                    .flatMapErrorThrowing { error in
                        let _: EventLoopFuture<Void> = connection.close()
                        throw error
                    }
            }
            connection = connecting
            return connecting
        }
        let promise = loop.makePromise(of: Int64.self)
        let timeout = loop.scheduleTask(in: TimeAmount(operationTimeout)) {
            self.abandon(connection)
            promise.fail(HostError(.unavailable, "database unavailable"))
        }
        connection.flatMap { reader in
            reader.read.execute()
        }.flatMapThrowing { rows -> Int64 in
            // As text: PostgresNIO's future-based prepared statements label binary results as
            // text, and TEXT is the one type whose two formats are the same bytes.
            guard let row = rows.first, let value = Int64(try row.decode(String.self)) else {
                throw HostError(.unavailable, "ocsp_epoch has no row")
            }
            return value
        }.hop(to: loop).whenComplete { result in
            timeout.cancel()
            switch result {
            case .success(let value):
                promise.succeed(value)
            case .failure(let error):
                self.abandon(connection)
                promise.fail(self.mapped(error))
            }
        }
        return promise.futureResult
    }

    /// Closes a connection that failed or hung; the next read connects again.
    private func abandon(_ connection: EventLoopFuture<EpochReader>) {
        epochConnection.withLock { current in
            if current === connection { current = nil }
        }
        connection.whenSuccess { let _: EventLoopFuture<Void> = $0.connection.close() }
    }
}
