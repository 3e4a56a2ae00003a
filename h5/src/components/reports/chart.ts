// The option type of the report charts: only the chart and component types that EChart.vue registers.
import type { BarSeriesOption, FunnelSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, TooltipComponentOption } from 'echarts/components';
import type { ComposeOption } from 'echarts/core';

export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | FunnelSeriesOption | GridComponentOption | TooltipComponentOption>;
