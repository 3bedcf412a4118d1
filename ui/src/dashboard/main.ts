// Entry point of the coordinator's dashboard (second Vite entry of ui/, served and
// embedded by lantern-server).
import { mount } from 'svelte';
import Dashboard from './Dashboard.svelte';
import './dashboard.css';

const target = document.getElementById('dashboard');
if (!target) throw new Error('dashboard.html has no #dashboard element');

export default mount(Dashboard, { target });
