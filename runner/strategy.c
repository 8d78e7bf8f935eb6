/* The registry of pool strategies, expanded from runner/strategy_list.h. */
#include "runner/strategy.h"

#include "core/registry.h"
#include "runner/strategy_list.h"

#define DECLARE(n) extern const struct tp_strategy_desc tp_strategy_##n;
TP_STRATEGIES(DECLARE)
#undef DECLARE

#define ENTRY(n) &tp_strategy_##n,
static const struct tp_strategy_desc *const strategies[] = { TP_STRATEGIES(ENTRY) };
#undef ENTRY

const struct tp_strategy_desc *const *tp_strategy_table(size_t *n)
{
	*n = sizeof(strategies) / sizeof(strategies[0]);
	return strategies;
}

unsigned tp_strategy_flags(const char *name)
{
	const struct tp_strategy_desc *s = tp_strategy_find(name);

	return s ? s->flags : TP_STRAT_UNKNOWN;
}

const struct tp_strategy_desc *tp_strategy_find(const char *name)
{
	return tp_registry_find((const void *const *)strategies,
				sizeof(strategies) / sizeof(strategies[0]), name);
}
