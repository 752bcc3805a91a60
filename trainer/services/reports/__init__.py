"""Programme reports: every figure aggregated in SQL, narrowed by one ReportFilters value.

Each report runs one grouped query (a handful for a page) whatever the number of officers;
Python only rolls up the few dozen group rows a query returns (countries x agencies x genders)
so that every breakdown adds up to its total by construction.

Definitions shown to managers on the pages:
- officers: users with the chosen role (trainee by default), matching the people filters
  (country of the officer, else of their agency; agency; cohort membership; gender);
- a period bounds the date of what is counted (course started or completed, certificate
  issued, session held, test or scenario submitted); completion statuses are as they stood
  at the end of the period;
- a course or scenario filter picks what is counted: choose a course and only that course is
  counted (scenario figures are then empty), and the other way round;
- a course and its translations are one work (Course.work, Scenario.work): an officer's
  completion of a work counts once whichever language version they took, rows are grouped by
  work (target_id: the work's first course or scenario id) and titled in the reader's language;
  choosing a course counts its whole work, and a language filter counts only what was taken in
  that language (sessions, which belong to no language, are then left out).

One module per report, each on what they all share:
- common: the counting rules' constants, the SQL building blocks (the officers counted, periods,
  works and their language versions), titles, the audit of exports;
- filters: the filters read from a URL and what the filter form offers;
- headline: the overview; breakdowns: by country, agency and gender (disaggregation);
  statuses: completion; attendance_rates: attendance; gain: knowledge gain;
  scenario_results: scenarios; item analysis is services/item_analysis.py;
- side_by_side: a page's independent parts (the overview's, completion's) computed at once on
  PostgreSQL, from one snapshot.
Every public name is importable from this package, as it was from the one module before.
"""
# Re-exported: the package's public names (and the two item analysis shares with scenario results).
# flake8: noqa: F401
from __future__ import annotations

from .common import (NOT_RECORDED, GENDER_FILTERS, GENDER_ORDER, STATUSES, ATTENDED, DECIDED, SCORE_BINS,
                     GAIN_BINS, PAGE_SIZE, OFFICERS_PER_PAGE, ANALYSIS_SAMPLE, OFFICERS_PER_CHUNK, WORK_MEM,
                     prepare_reading, in_period, by_end, month_of, whole, bin_of, json_elements, json_object_agg,
                     work_targets, target_expression, course_targets, scenario_targets, course_ids,
                     scenario_ids, target_of, People, false_, trained, course_firsts, counted,
                     scenario_outcomes, target_titles, record_export)
from .filters import (FilterError, ReportFilters, parse_filters, content_languages, CHOSEN, CHOICES_SHOWN,
                      choice_label, choice_rows, FilterChoices, filter_choices)
from .breakdowns import (PEOPLE_MEASURES, people_groups, rollup, gender_order, Disaggregation,
                         disaggregation)
from .headline import (Overview, overview, trend, month_range)
from .attendance_rates import (ATTENDANCE_MEASURES, attendance_totals, AttendanceReport, attendance)
from .gain import (gain_pairs, gain_pair_query, gain_total, gain_by_competency, competency_titles,
                   GainReport, GAIN_FIGURES, knowledge_gain)
from .scenario_results import (ScenarioReport, scenario_analytics, _version_tasks, _item_label,
                               task_distributions, items_most_often_wrong)
from .statuses import (work_rows, completion_rows, CompletionReport, completion, completion_cells,
                       officer_row_chunks, officer_rows)
