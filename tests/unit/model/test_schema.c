// SPDX-License-Identifier: GPL-2.0
/* The schema's names: each parses back to its value, and messages list them all. */
#include <errno.h>
#include <string.h>
#include "model/schema.h"
#include "test.h"

TEST(every_name_parses_back)
{
	static const struct schema_enum *const all[] = {
		&schema_spans, &schema_drops, &schema_groupings, &schema_sort_keys,
		&schema_origins, &schema_record_types, &schema_span_choices,
	};
	unsigned int e, v;

	for (e = 0; e < sizeof(all) / sizeof(all[0]); e++) {
		for (v = 0; v < all[e]->nr; v++) {
			if (!ASSERT_TRUE(all[e]->names[v] != NULL))
				return;
			ASSERT_EQ(schema_parse(all[e], schema_name(all[e], v)), (int)v);
		}
		ASSERT_EQ(schema_parse(all[e], "nonsense"), -EINVAL);
		ASSERT_STR(schema_name(all[e], all[e]->nr), "?");
	}
	/* the kernel's enums and the tables agree in size */
	ASSERT_EQ(schema_spans.nr, KVMSTAT_NR_SPANS);
	ASSERT_EQ(schema_drops.nr, KVMSTAT_NR_EXIT_DROPS);
	ASSERT_TRUE(schema_drops.descs && schema_drops.descs[KVMSTAT_NR_EXIT_DROPS - 1]);
}

TEST(choices_for_messages)
{
	char buf[128];

	ASSERT_STR(schema_choices(&schema_groupings, false, buf, sizeof(buf)), "class, vm or vcpu");
	ASSERT_STR(schema_choices(&schema_spans, true, buf, sizeof(buf)), "\"handling\" or \"guest\"");
	ASSERT_STR(schema_choices(&schema_sort_keys, false, buf, sizeof(buf)),
		   "count, time, avg, max, min or class");
}

TEST(span_choices_are_masks)
{
	ASSERT_EQ(span_choice_mask(SPANS_HANDLING), 1U << KVMSTAT_SPAN_HANDLING);
	ASSERT_EQ(span_choice_mask(SPANS_GUEST), 1U << KVMSTAT_SPAN_GUEST);
	ASSERT_EQ(span_choice_mask(SPANS_BOTH), (1U << KVMSTAT_SPAN_HANDLING) | (1U << KVMSTAT_SPAN_GUEST));
}

TEST_MAIN(TEST_CASE(every_name_parses_back),
	  TEST_CASE(choices_for_messages),
	  TEST_CASE(span_choices_are_masks))
