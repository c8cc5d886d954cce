/** The wire format: the protobuf messages of kubefuncs.proto and their type URLs. */
// protobuf-java has no module-info, only the Automatic-Module-Name com.google.protobuf.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.kubefuncs.proto {
  // The generated messages extend protobuf-java's types.
  requires transitive com.google.protobuf;

  exports io.kubefuncs.proto;
}
