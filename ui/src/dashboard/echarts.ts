// The parts of Apache ECharts the dashboard uses (bar charts, SVG renderer, aria with decal
// patterns), in their own chunk: loaded the first time a chart is shown, so the overview
// (a table) starts without parsing the chart library.
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, SVGRenderer]);

export { echarts };
