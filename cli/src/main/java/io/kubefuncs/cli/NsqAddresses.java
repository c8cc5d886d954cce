package io.kubefuncs.cli;

/**
 * The NSQ a dev run uses, the dev broker's or a real one.
 *
 * @param nsqdTcp where the gateway and the functions publish
 * @param lookupdHttp where they discover nsqds; null to use {@code nsqdTcp} alone
 */
record NsqAddresses(Address nsqdTcp, Address lookupdHttp) {}
