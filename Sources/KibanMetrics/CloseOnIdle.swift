package import NIOCore

/// Closes a connection when ``IdleStateHandler`` reports it idle (the metrics port here; the
/// peer port and blob fetches in KibanServer).
package final class CloseOnIdle: ChannelInboundHandler, Sendable {
    package typealias InboundIn = NIOAny

    package init() {}

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
