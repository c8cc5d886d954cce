/** The pong function. */
module io.kubefuncs.examples.pong {
  requires io.kubefuncs.client;
}
