// e2ee/core.hpp — everything in core/.
#pragma once

#include "core/bytes.hpp"
#include "core/config.hpp"
#include "core/cpu.hpp"
#include "core/ct.hpp"
#include "core/error.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"
