// Message atoms of the actors module. CAF 0.17 atoms are at most 10
// characters; the names double as what shows up in logs.
#pragma once

#include <caf/atom.hpp>

namespace prescient {

using ingest_atom = caf::atom_constant<caf::atom("ingest")>;
using claim_atom = caf::atom_constant<caf::atom("claim")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using user_atom = caf::atom_constant<caf::atom("user")>;
using kpis_atom = caf::atom_constant<caf::atom("kpis")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using checkpt_atom = caf::atom_constant<caf::atom("checkpt")>;
using erase_atom = caf::atom_constant<caf::atom("erase")>;
using record_atom = caf::atom_constant<caf::atom("record")>;
using forecast_atom = caf::atom_constant<caf::atom("forecast")>;
using score_atom = caf::atom_constant<caf::atom("score")>;
using hold_atom = caf::atom_constant<caf::atom("hold")>;
using connect_atom = caf::atom_constant<caf::atom("connect")>;
using anomalies_atom = caf::atom_constant<caf::atom("anomalies")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using batch_atom = caf::atom_constant<caf::atom("batch")>;
using copy_atom = caf::atom_constant<caf::atom("copy")>;
using later_atom = caf::atom_constant<caf::atom("later")>;

} // namespace prescient
