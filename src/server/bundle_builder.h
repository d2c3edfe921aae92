/*
 * What the server layer's other files see of a bundle builder
 * (confai/server.h): the bundle it is building, so an evidence source can
 * make evidence for its transcript.
 */
#ifndef CONFAI_SERVER_BUNDLE_BUILDER_H
#define CONFAI_SERVER_BUNDLE_BUILDER_H

#include <confai/server.h>

#include "attest/bundle.h"

/* The bundle under construction; valid while the builder lives. */
const bundle *bundle_builder_bundle(const confai_bundle_builder *builder);

#endif /* CONFAI_SERVER_BUNDLE_BUILDER_H */
